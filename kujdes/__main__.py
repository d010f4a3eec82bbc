from kujdes.cli import main

main()
