{% test unique_combination(model, columns) %}
-- Rows whose combination of columns is not unique.
select {{ columns | join(', ') }}, count(*) as duplicate_rows
from {{ model }}
group by all
having count(*) > 1
{% endtest %}


{% test not_negative(model, column_name) %}
select * from {{ model }} where {{ column_name }} < 0
{% endtest %}


{% test within_physical_limit(model, quantity_columns, limit_column) %}
-- Rows where an interval's quantity exceeds what the device can physically deliver in 15
-- minutes (its rating with headroom): a meter cannot exceed its CT rating.
select *
from {{ model }}
where {{ limit_column }} is not null
    and greatest({% for column in quantity_columns %}coalesce({{ column }}, 0){% if not loop.last %}, {% endif %}{% endfor %})
        > {{ limit_column }}
{% endtest %}


{% test balance_closes_where_measured(model) %}
-- Complete, fully measured intervals whose balance does not close: a metering or model error.
-- (Estimated intervals spread a gap's energy evenly and may miss; they are flagged, not failed.)
select *
from {{ model }}
where is_complete and estimated_flows = 0 and not balance_closes
{% endtest %}
