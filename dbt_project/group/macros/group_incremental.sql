{#- The group's park-grain marts are incremental, keyed by park (docs/park_groups.md, "The
    rollup"): a rollup re-reads only the parks whose export changed since the published group
    warehouse was built (var changed_parks) and deletes, before inserting them again, their rows
    and the rows of parks no longer included (var included_parks). Park ids are the registry's
    (lowercase letters, digits, -); quotes are doubled all the same. -#}

{% macro group_park_list(parks) -%}
    {%- if parks -%}
        {%- for park in parks -%}'{{ park | replace("'", "''") }}'{{ ", " if not loop.last }}{%- endfor -%}
    {%- else -%}null{%- endif -%}
{%- endmacro %}

{% macro group_park_refresh() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where park_id in ({{ group_park_list(var('changed_parks', [])) }})
            or park_id not in ({{ group_park_list(var('included_parks', [])) }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{% macro group_changed_parks_only() -%}
    {%- if is_incremental() -%}
        where park_id in ({{ group_park_list(var('changed_parks', [])) }})
    {%- endif -%}
{%- endmacro %}
