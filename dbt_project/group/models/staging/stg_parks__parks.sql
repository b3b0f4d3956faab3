-- The parks the rollup asked for, whether each was included, and why not.
select * from {{ source('parks', '_parks') }}
