{#
  Custom schemas are used as named (staging, intermediate, reference), not prefixed with the
  target's schema as dbt does by default (main_staging): analysts read `staging.stg_…`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}


{#
  Warehouses built before the layers had their own schemas hold staging views, intermediate
  tables, seeds and incremental windows in main. A build copies the published version, so
  they would stay beside the marts for ever, stale: drop them (the build recreates each in
  its schema). Only names no mart can have are dropped.
#}
{% macro drop_relations_moved_out_of_main() %}
    {% if execute %}
        {% set seeds = graph.nodes.values() | selectattr('resource_type', 'equalto', 'seed')
                       | map(attribute='name') | list %}
        {% set found = run_query(
            "select table_name, table_type from information_schema.tables "
            ~ "where table_schema = '" ~ target.schema ~ "' and table_catalog = current_database() "
            ~ "and (table_name like 'stg\\_%' escape '\\' or table_name like 'int\\_%' escape '\\' "
            ~ "or table_name like '%\\_\\_window' escape '\\' "
            ~ "or table_name in ('" ~ (seeds | join("', '")) ~ "'))") %}
        {% for row in found.rows %}
            {% set kind = 'view' if row[1] == 'VIEW' else 'table' %}
            {% do run_query('drop ' ~ kind ~ ' if exists ' ~ target.schema ~ '."' ~ row[0] ~ '"') %}
        {% endfor %}
    {% endif %}
{% endmacro %}
