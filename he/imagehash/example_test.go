package imagehash_test

import (
	"fmt"
	"log"

	"github.com/privmatch/privmatch/he/imagehash"
	"github.com/privmatch/privmatch/phash"
)

// One encrypted phash8 of a corpus photo, in process.
func Example() {
	img, err := phash.Load("../../testdata/photos/chelsea.png", phash.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	p, err := imagehash.NewParameters(imagehash.Literal{Literal: imagehash.Default, Alg: imagehash.AlgPHash8})
	if err != nil {
		log.Fatal(err)
	}
	client, err := imagehash.NewClient(p, nil)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := client.Keys() // once per client
	if err != nil {
		log.Fatal(err)
	}
	server, err := imagehash.NewServer(p, keys)
	if err != nil {
		log.Fatal(err)
	}
	query, err := client.Query(img) // downsample and encrypt
	if err != nil {
		log.Fatal(err)
	}
	answer, err := server.Answer(query) // DCT block, never decrypted
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.Finish(answer) // decrypt, threshold at the median
	if err != nil {
		log.Fatal(err)
	}
	want, _ := phash.PHash8.Hash(img)
	d, _ := phash.Distance(res.Hash, want)
	fmt.Println(res.Hash, "distance to plaintext phash8:", d)
	// Output: b15fe6465121175e distance to plaintext phash8: 0
}
