-- Each park's fct_park_national_monthly, one partition per park (park_id from the partition's name).
select * from {{ source('parks', 'fct_park_national_monthly') }}
