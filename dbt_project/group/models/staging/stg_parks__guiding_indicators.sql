-- Each park's fct_guiding_indicators, one partition per park (park_id from the partition's name).
select * from {{ source('parks', 'fct_guiding_indicators') }}
