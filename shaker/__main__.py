from shaker.cli import main

main()
