package psi_test

// The external tests see every protocol in the registry.
import _ "github.com/privmatch/privmatch/psi/protocols"
