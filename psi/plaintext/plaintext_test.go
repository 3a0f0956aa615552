package plaintext_test

import (
	"testing"

	"github.com/privmatch/privmatch/psi/plaintext"
	"github.com/privmatch/privmatch/psi/psitest"
)

func TestConformance(t *testing.T) { psitest.TestProtocol(t, plaintext.Protocol) }

func TestAdversarial(t *testing.T) { psitest.TestAdversarial(t, plaintext.Protocol) }
