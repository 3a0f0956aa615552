package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// imageExts are the file extensions taken from folders. A file named
// explicitly on the command line is tried whatever its extension.
var imageExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".bmp": true,
	".tif": true, ".tiff": true, ".webp": true,
}

// collectImages expands files and folders (recursively, following no
// symbolic links to folders) into a sorted, de-duplicated list of image
// paths. Paths that cannot be read are returned as errors naming them.
func collectImages(paths []string) ([]string, []error) {
	seen := map[string]bool{}
	var out []string
	var errs []error
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !info.IsDir() {
			add(root)
			continue
		}
		var found []string
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !d.IsDir() && imageExts[strings.ToLower(filepath.Ext(p))] {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("walk %s: %w", root, err))
		}
		sort.Strings(found)
		for _, p := range found {
			add(p)
		}
	}
	return out, errs
}
