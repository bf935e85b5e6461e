from ringback.cli import main

main()
