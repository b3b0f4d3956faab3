-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox_guiding', 'inbox_product_output'), ['enterprise_id', 'month', 'product_code']) }}
