"""The group warehouse (issue 19, item 4): each park's published marts exported to Parquet
partitioned by park on the group's store, a group dbt project that reads them into one DuckDB
file, and the group's monthly scorecard. See docs/park_groups.md, "The group warehouse"."""
