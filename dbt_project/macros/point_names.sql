{#
  The distinct values of `column` (a point name column) of the reference device_points rows
  matching `condition`, as a SQL list literal, read when the model runs. A constant IN list is
  pushed into the Parquet scan of the landing readings, which a join to the reference table is
  not: a full rebuild then decodes only those points' rows instead of hashing every landed row.
#}
{% macro point_names_where(column, condition) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- set query -%}
            select distinct {{ column }} from {{ source('reference', 'device_points') }}
            where {{ condition }} and {{ column }} is not null
            order by 1
        {%- endset -%}
        {%- set names = run_query(query).columns[0].values() -%}
    {%- endif -%}
    ({%- for name in names %}'{{ name }}'{{ ", " if not loop.last }}{% endfor -%}
    {%- if names | length == 0 -%}null{%- endif -%})
{%- endmacro %}
