package main

// Every protocol of psi's registry, for serve, query and report.
import _ "github.com/privmatch/privmatch/psi/protocols"
