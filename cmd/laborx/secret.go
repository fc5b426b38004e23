package main

import (
	"flag"
	"os"
)

// secret is a flag value that must never be printed: the PII key, database URLs with
// their password. --help and the usage printed after a mistyped flag show a default
// as "(set)" instead of the value taken from the environment, so a deploy script's
// typo does not put the key that decrypts every national ID into a CI log.
type secret struct{ value string }

func (s *secret) String() string {
	if s == nil || s.value == "" {
		return ""
	}
	return "(set)"
}

func (s *secret) Set(v string) error {
	s.value = v
	return nil
}

// secretVar defines a secret flag whose default is the environment variable envName.
func secretVar(fs *flag.FlagSet, s *secret, name, envName, usage string) {
	s.value = os.Getenv(envName)
	fs.Var(s, name, usage)
}
