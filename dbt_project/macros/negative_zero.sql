{#
  Rounding a tiny negative difference (losses of -1e-9 kWh, a losses line's -0.000000 tCO2)
  gives -0.0, which clients print as "-0" or "-0.0". Every mart runs this after it is built
  (dbt_project.yml): adding +0.0 turns -0.0 into 0.0 and leaves every other number as it is.
#}
{% macro unsign_zeros() %}
    {% if execute %}
        {% set columns = adapter.get_columns_in_relation(this)
                         | selectattr('dtype', 'in', ['DOUBLE', 'FLOAT', 'REAL'])
                         | map(attribute='name') | list %}
        {% if columns %}
            update {{ this }} set
            {% for column in columns %}
                "{{ column }}" = "{{ column }}" + 0.0{% if not loop.last %},{% endif %}
            {% endfor %}
            where
            {% for column in columns %}
                ("{{ column }}" = 0 and signbit("{{ column }}")){% if not loop.last %} or{% endif %}
            {% endfor %}
        {% endif %}
    {% endif %}
{% endmacro %}
