package examples

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// go/README.md prints readme_test.go verbatim, in a ```go block; so does the repository's README once it
// names the file.
func TestReadmesPrintTheReadmeTestVerbatim(t *testing.T) {
	source, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	block := "```go\n" + string(source) + "```\n"
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), block) {
		t.Fatalf("go/README.md does not contain go/examples/readme_test.go verbatim in a ```go block:\n%s", block)
	}
	root, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Skipf("no repository README: %v", err)
	}
	if strings.Contains(string(root), "go/examples/readme_test.go") && !strings.Contains(string(root), block) {
		t.Fatal("README.md names go/examples/readme_test.go but does not print it verbatim in a ```go block")
	}
}
