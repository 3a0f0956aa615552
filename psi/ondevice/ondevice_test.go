package ondevice_test

import (
	"testing"

	"github.com/privmatch/privmatch/psi/ondevice"
	"github.com/privmatch/privmatch/psi/psitest"
)

func TestConformance(t *testing.T) { psitest.TestProtocol(t, ondevice.Protocol) }

func TestAdversarial(t *testing.T) { psitest.TestAdversarial(t, ondevice.Protocol) }
