-- Each park's fct_enterprise_carbon_accounts, one partition per park (park_id from the partition's name).
select * from {{ source('parks', 'fct_enterprise_carbon_accounts') }}
