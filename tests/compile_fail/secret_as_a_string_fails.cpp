// first-error: conversion from 'cairn::secret_ref' to non-scalar type 'std::string'
// max-lines: 20
// A secret handle has no conversion to a string: it cannot be smuggled into text by hand.
#include <cairn/secret.hpp>

#include <string>

constexpr std::string leaked() {
  std::string s = cairn::secret("db");
  return s;
}

int main() { return 0; }
