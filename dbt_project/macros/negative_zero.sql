{#
  Rounding a tiny negative difference (losses of -1e-9 kWh, a losses line's -0.000000 tCO2)
  gives -0.0, which clients print as "-0" or "-0.0". Every mart table runs this after it is
  built (dbt_project.yml). DuckDB's UPDATE keeps -0.0 when told to write 0.0 (it sees the same
  value), so a table holding one is rewritten with each zero as 0.0. Incremental marts only
  append what their own models derive, none of which rounds a difference; the test
  tests/jobs/warehouse/test_mart_conventions.py checks every mart.
#}
{% macro unsign_zeros() %}
    {% if execute and config.get('materialized') == 'table' %}
        {% set columns = adapter.get_columns_in_relation(this)
                         | selectattr('dtype', 'in', ['DOUBLE', 'FLOAT', 'REAL'])
                         | list %}
        {% if columns %}
            {% set signed %}
                select count(*) from {{ this }} where
                {% for column in columns %}
                    ("{{ column.name }}" = 0 and signbit("{{ column.name }}"))
                    {%- if not loop.last %} or{% endif %}
                {% endfor %}
            {% endset %}
            {% if run_query(signed).columns[0].values()[0] > 0 %}
                create or replace table {{ this }} as
                select * replace (
                {% for column in columns %}
                    case when "{{ column.name }}" = 0 then cast(0 as {{ column.dtype }})
                         else "{{ column.name }}" end as "{{ column.name }}"
                    {%- if not loop.last %},{% endif %}
                {% endfor %}
                ) from {{ this }}
            {% endif %}
        {% endif %}
    {% endif %}
{% endmacro %}
