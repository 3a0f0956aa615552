package report

// The tests see every protocol in psi's registry.
import _ "github.com/privmatch/privmatch/psi/protocols"
