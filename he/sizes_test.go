package he

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExactSizesPN14 pins the message sizes quoted in the package doc.
func TestExactSizesPN14(t *testing.T) {
	p, err := PN14.Params()
	require.NoError(t, err)
	ks, err := ExactKeysSize(p)
	require.NoError(t, err)
	t.Logf("query %d answer %d reply %d keys %d", ExactQuerySize(p), ExactAnswerSize(p), ExactReplySize(p, 4), ks)
	require.Equal(t, 823341, ExactQuerySize(p))
	require.Equal(t, 108561, ExactAnswerSize(p))
	require.Equal(t, 34832, ExactReplySize(p, 4))
	require.Equal(t, 58200910, ks)
	for _, l := range []ParamsLiteral{PN14S, PN14M, PN14} {
		p, err := l.Params()
		require.NoError(t, err)
		ks, _ := ExactKeysSize(p)
		t.Logf("%s: capacity %d query %d answer %d reply(4) %d keys %d", l.Name, ExactCapacity(p), ExactQuerySize(p), ExactAnswerSize(p), ExactReplySize(p, 4), ks)
	}
}
