from jobs.cli.base import main

main()
