package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/segql/segql/auth"
)

// token makes tokens: `segql token admin` a fresh admin API token with the
// line for a token file, `segql token customer` a storefront customer JWT
// signed with SEGQL_JWT_SECRET (for development and server-side minting).
func token(out io.Writer, args []string) error {
	if len(args) == 0 {
		return errors.New("give a kind: segql token admin|customer [flags]")
	}
	switch args[0] {
	case "admin":
		return adminToken(out, args[1:])
	case "customer":
		return customerToken(out, args[1:])
	}
	return fmt.Errorf("unknown token kind %q: admin or customer", args[0])
}

func adminToken(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("token admin", flag.ContinueOnError)
	scope := fs.String("scope", "read", "read (every query) or write (mutations too)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scope != string(auth.ScopeRead) && *scope != string(auth.ScopeWrite) {
		return fmt.Errorf("--scope %q: read or write", *scope)
	}
	tok, err := auth.NewAdminToken()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "token: %s\nSEGQL_ADMIN_TOKENS entry: %s:%s\ntoken file line: %s %s\n",
		tok, *scope, tok, *scope, auth.HashToken(tok))
	return err
}

func customerToken(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("token customer", flag.ContinueOnError)
	secret := fs.String("jwt-secret", env("SEGQL_JWT_SECRET", ""), "HS256 secret (env SEGQL_JWT_SECRET)")
	customerID := fs.Int64("customer-id", 0, "the customer's platform id")
	channelID := fs.Int64("channel-id", 0, "the storefront channel; 0: none in the token")
	storeHash := fs.String("store-hash", env("SEGQL_STORE_HASH", ""), "store_hash claim (env SEGQL_STORE_HASH)")
	ttl := fs.Duration("ttl", auth.MaxTokenLifetime, "lifetime, at most 1h")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *secret == "":
		return errors.New("set --jwt-secret or SEGQL_JWT_SECRET")
	case *customerID <= 0:
		return errors.New("--customer-id must be a positive customer id")
	case *ttl <= 0 || *ttl > auth.MaxTokenLifetime:
		return fmt.Errorf("--ttl must be between 1s and %s", auth.MaxTokenLifetime)
	}
	v := auth.NewVerifier([]byte(*secret))
	v.StoreHash = *storeHash
	var channel *int64
	if *channelID > 0 {
		channel = channelID
	}
	tok, err := v.Mint(*customerID, channel, *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}
