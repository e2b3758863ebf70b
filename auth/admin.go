package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// MinAdminTokenLength refuses guessable admin tokens at start.
const MinAdminTokenLength = 24

// AdminTokens are the admin API tokens segql accepts, kept only as SHA-256
// hashes: a leaked config file of hashes grants nothing.
type AdminTokens struct {
	scopes map[string]Scope // hex SHA-256 of the token -> scope
}

// NewAdminTokens returns an empty set.
func NewAdminTokens() *AdminTokens { return &AdminTokens{scopes: map[string]Scope{}} }

// HashToken is the hex SHA-256 of a token, as a token file holds it.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewAdminToken returns a fresh random token (256 bits, base64url).
func NewAdminToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return "segql_" + base64.RawURLEncoding.EncodeToString(b), nil
}

func parseScope(s string) (Scope, error) {
	switch Scope(strings.ToLower(strings.TrimSpace(s))) {
	case ScopeRead:
		return ScopeRead, nil
	case ScopeWrite:
		return ScopeWrite, nil
	}
	return "", fmt.Errorf("scope %q is neither read nor write", s)
}

// Add accepts token with scope.
func (a *AdminTokens) Add(scope Scope, token string) error {
	if len(token) < MinAdminTokenLength {
		return fmt.Errorf("an admin token needs at least %d characters", MinAdminTokenLength)
	}
	if strings.ContainsAny(token, " \t\r\n,") {
		return fmt.Errorf("an admin token cannot hold spaces or commas")
	}
	a.scopes[HashToken(token)] = scope
	return nil
}

// AddSpec accepts the tokens of a SEGQL_ADMIN_TOKENS value:
// "write:<token>,read:<token>".
func (a *AdminTokens) AddSpec(spec string) error {
	for i, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		s, token, ok := strings.Cut(item, ":")
		if !ok {
			return fmt.Errorf("admin token %d: want scope:token", i+1)
		}
		scope, err := parseScope(s)
		if err != nil {
			return fmt.Errorf("admin token %d: %w", i+1, err)
		}
		if err := a.Add(scope, strings.TrimSpace(token)); err != nil {
			return fmt.Errorf("admin token %d: %w", i+1, err)
		}
	}
	return nil
}

// AddFile accepts the token hashes of a file with one "<scope> <sha256 hex>"
// per line; blank lines and lines starting with # are skipped.
func (a *AdminTokens) AddFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("admin token file: %w", err)
	}
	defer f.Close()
	if err := a.addHashes(f); err != nil {
		return fmt.Errorf("admin token file %s: %w", path, err)
	}
	return nil
}

func (a *AdminTokens) addHashes(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return fmt.Errorf("line %d: want \"<scope> <sha256 hex>\"", n)
		}
		scope, err := parseScope(fields[0])
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		hash := strings.ToLower(strings.TrimPrefix(fields[1], "sha256:"))
		if b, err := hex.DecodeString(hash); err != nil || len(b) != sha256.Size {
			return fmt.Errorf("line %d: %q is not a SHA-256 hex digest", n, fields[1])
		}
		a.scopes[hash] = scope
	}
	return sc.Err()
}

// Len is how many tokens are accepted.
func (a *AdminTokens) Len() int {
	if a == nil {
		return 0
	}
	return len(a.scopes)
}

// Lookup returns the admin principal a token stands for. Looking up the
// hash keeps the comparison independent of how much of a guess matches.
func (a *AdminTokens) Lookup(token string) (Principal, bool) {
	if a == nil {
		return Principal{}, false
	}
	hash := HashToken(token)
	scope, ok := a.scopes[hash]
	if !ok {
		return Principal{}, false
	}
	return Principal{Admin: scope, TokenID: hash[:12]}, true
}
