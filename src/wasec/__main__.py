from wasec.cli import main

main()
