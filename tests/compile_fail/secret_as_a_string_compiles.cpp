// Its twin: the handle's name is a string; its value is not.
#include <cairn/secret.hpp>

#include <string>

constexpr std::string named() {
  std::string s = cairn::secret("db").name();
  return s;
}

int main() { return 0; }
