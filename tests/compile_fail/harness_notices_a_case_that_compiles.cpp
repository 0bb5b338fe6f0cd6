// first-error: this text never appears
// The harness's own check: this "failing" case compiles, so its test must fail (WILL_FAIL).
int main() { return 0; }
