from habitloop.cli import main

main()
