//go:generate go tool gqlgen generate

package main

func main() {}
