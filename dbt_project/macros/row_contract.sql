{#
  One data test per model in the hourly build instead of one per check (issue 19: dbt's own
  work per test node, about 70 ms of Python each, was most of the hourly build). A model's
  `row_contract` test runs every check its YAML declares of the kinds in folded_tests() (with
  severity error) in one query: the union of each check's own SQL (the same macros the
  separate tests run, so the same meaning), each failing row labelled with the check, its
  column and the separate test's name. The separate tests stay in the project: the nightly
  build (full_checks) runs them and not this one (jobs/warehouse/build.py selects which), and
  `dbt test --select <a separate test>` still works. The relation this test reads is the
  model's window in a normal build (macros/tests_on_window.sql), as for the separate tests.
#}

{% macro folded_tests() %}
    {# the kinds folded; jobs/warehouse/build.py FOLDED_TESTS names the same (a test checks) #}
    {% do return(['not_null', 'unique', 'accepted_values', 'relationships', 'not_negative',
                  'expression_holds', 'unique_combination', 'within_physical_limit',
                  'balance_closes_where_measured']) %}
{% endmacro %}


{% macro row_contract_test_node() %}
    {# the test node being compiled: the context's `model` (the test's own argument hides it) #}
    {% do return(model) %}
{% endmacro %}


{% test row_contract(model, after=none) %}
    {#- after: a ref the test must wait for (a relationships parent not upstream of the model) -#}
    {%- if not execute -%}
        select 1 as failed where false
    {%- else -%}
        {%- set me = row_contract_test_node() -%}
        {%- set checks = row_contract_checks(me.attached_node, me.depends_on.nodes) -%}
        {%- if not checks -%}
            {{ exceptions.raise_compiler_error(
                "row_contract on " ~ me.attached_node ~ ": the model has no check of the kinds "
                ~ "folded (macros/row_contract.sql); remove the test from its YAML") }}
        {%- endif -%}
        {%- for check in checks %}
        {{ 'union all' if not loop.first }}
        select '{{ check.test_name }}' as failed_check,
               '{{ check.column }}' as failed_column,
               '{{ check.node_name }}' as failed_test,
               cast(failing as varchar) as failing_row
        from (
            {{ row_contract_check_sql(check, model) }}
        ) as failing
        {%- endfor %}
    {%- endif -%}
{% endtest %}


{% macro row_contract_checks(model_id, waits_for) %}
    {# the separate tests of model_id that row_contract runs: its kinds, severity error #}
    {% set checks = [] %}
    {% for node in graph.nodes.values()
           if node.resource_type == 'test' and node.attached_node == model_id
              and node.test_metadata and node.test_metadata.name in folded_tests()
              and node.config.severity | lower == 'error' %}
        {% for key in ('error_if', 'warn_if', 'fail_calc', 'limit', 'store_failures') %}
            {% set default = {'error_if': '!= 0', 'warn_if': '!= 0', 'fail_calc': 'count(*)'}.get(key) %}
            {% if node.config[key] != default %}
                {{ exceptions.raise_compiler_error(
                    "row_contract cannot fold " ~ node.name ~ ": its " ~ key ~ " is "
                    ~ node.config[key] ~ "; give it severity warn or fold it by hand") }}
            {% endif %}
        {% endfor %}
        {% do checks.append({
            'test_name': node.test_metadata.name,
            'column': node.column_name or '',
            'node_name': node.name,
            'kwargs': node.test_metadata.kwargs,
            'where': node.config.where,
            'model_id': model_id,
            'waits_for': waits_for}) %}
    {% endfor %}
    {% do return(checks | sort(attribute='node_name')) %}
{% endmacro %}


{% macro row_contract_check_sql(check, model) %}
    {# one separate test's SQL on `model` (already the window), with that test's own where #}
    {%- set relation = model -%}
    {%- if check.where -%}
        {%- set relation = '(select * from ' ~ model ~ ' where ' ~ check.where ~ ') as checked' -%}
    {%- endif -%}
    {%- set args = {} -%}
    {%- for key, value in check.kwargs.items() if key != 'model' -%}
        {%- if value is string and '{{' in value -%}
            {{ exceptions.raise_compiler_error(
                "row_contract cannot fold " ~ check.node_name ~ ": its argument " ~ key
                ~ " is rendered at run time (" ~ value ~ ")") }}
        {%- endif -%}
        {%- do args.update({key: value}) -%}
    {%- endfor -%}
    {%- set name = check.test_name -%}
    {%- if name == 'relationships' -%}
        {%- do args.update({'to': row_contract_parent(check, args.to)}) -%}
    {%- elif name == 'expression_holds' and 'column_name' not in args -%}
        {%- do args.update({'column_name': none}) -%}  {# a model-level invariant #}
    {%- endif -%}
    {%- if name == 'not_null' -%}{{ adapter.dispatch('test_not_null', 'dbt')(relation, **args) }}
    {%- elif name == 'unique' -%}{{ adapter.dispatch('test_unique', 'dbt')(relation, **args) }}
    {%- elif name == 'accepted_values' -%}{{ adapter.dispatch('test_accepted_values', 'dbt')(relation, **args) }}
    {%- elif name == 'relationships' -%}{{ adapter.dispatch('test_relationships', 'dbt')(relation, **args) }}
    {%- elif name == 'not_negative' -%}{{ test_not_negative(relation, **args) }}
    {%- elif name == 'expression_holds' -%}{{ test_expression_holds(relation, **args) }}
    {%- elif name == 'unique_combination' -%}{{ test_unique_combination(relation, **args) }}
    {%- elif name == 'within_physical_limit' -%}{{ test_within_physical_limit(relation, **args) }}
    {%- elif name == 'balance_closes_where_measured' -%}{{ test_balance_closes_where_measured(relation) }}
    {%- else -%}{{ exceptions.raise_compiler_error("row_contract: no fold for " ~ name) }}
    {%- endif -%}
{% endmacro %}


{% macro row_contract_parent(check, to) %}
    {# A relationships test's parent, as a relation name. The folded test depends on its model
       and what its `after` names, so the parent must be upstream of the model (built before
       it in every build) or named in `after`. #}
    {%- set found = modules.re.fullmatch("\\s*ref\\(\\s*['\"]([A-Za-z0-9_]+)['\"]\\s*\\)\\s*", to) -%}
    {%- if not found -%}
        {{ exceptions.raise_compiler_error(
            "row_contract cannot fold " ~ check.node_name ~ ": its parent " ~ to
            ~ " is not a ref('model')") }}
    {%- endif -%}
    {%- set parents = graph.nodes.values() | selectattr('name', 'equalto', found.group(1))
                      | rejectattr('resource_type', 'equalto', 'test') | list -%}
    {%- if parents | length != 1 or (parents[0].unique_id not in check.waits_for
            and parents[0].unique_id not in row_contract_upstream(check.model_id)) -%}
        {{ exceptions.raise_compiler_error(
            "row_contract cannot fold " ~ check.node_name ~ ": its parent " ~ to
            ~ " is not upstream of the model, so it could still be building: name it in the "
            ~ "row_contract's after") }}
    {%- endif -%}
    {%- do return(parents[0].relation_name) -%}
{% endmacro %}


{% macro row_contract_upstream(model_id) %}
    {# every node model_id is built from, at any depth #}
    {% set seen = [] %}
    {% set frontier = [model_id] %}
    {% for _ in range(100) if frontier %}
        {% set next = [] %}
        {% for node_id in frontier %}
            {% for parent in graph.nodes[node_id].depends_on.nodes
                   if parent in graph.nodes and parent not in seen %}
                {% do seen.append(parent) %}
                {% do next.append(parent) %}
            {% endfor %}
        {% endfor %}
        {% do frontier.clear() %}
        {% do frontier.extend(next) %}
    {% endfor %}
    {% do return(seen) %}
{% endmacro %}
