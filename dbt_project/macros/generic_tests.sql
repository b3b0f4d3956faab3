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
