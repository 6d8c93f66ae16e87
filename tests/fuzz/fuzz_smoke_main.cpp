// Runs a fuzz target without libFuzzer (gcc, every CI run): the seeds in seeds/<target>.txt
// (one per line, "\n" escapes newlines) plus a fixed number of deterministic mutations of them.
// A crash or sanitizer report fails the test; coverage-guided fuzzing is the clang build's job.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
      out.push_back('\n');
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string mutate(std::string s, std::mt19937& rng) {
  static const std::string INTERESTING[] = {"nan", "null", "-1",      "1e999", "\"",       "{", "}",
                                            "[",   "]",    "\\u0000", "/",     "#",        "+", "..",
                                            "%",   "%2e",  "999",     "true",  "\xff\xfe", ":"};
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    const std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 5) {
      case 0:
        if (!s.empty() && pos < s.size()) s.erase(pos, 1 + rng() % 8);
        break;
      case 1:
        s.insert(pos, INTERESTING[rng() % std::size(INTERESTING)]);
        break;
      case 2:
        if (pos < s.size()) s[pos] = static_cast<char>(rng() % 256);
        break;
      case 3:
        s = s.substr(0, pos);
        break;
      default:
        s.insert(pos, std::string(rng() % 3 == 0 ? 2000 : 16, static_cast<char>('a' + rng() % 26)));
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SEEDS_FILE [ITERATIONS]\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  std::vector<std::string> seeds;
  for (std::string line; std::getline(in, line);) seeds.push_back(unescape(line));
  if (seeds.empty()) {
    std::fprintf(stderr, "no seeds in %s\n", argv[1]);
    return 2;
  }
  const int iterations = argc > 2 ? std::stoi(argv[2]) : 20000;
  std::mt19937 rng(20261121);
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  for (int i = 0; i < iterations; ++i) {
    const std::string input = mutate(seeds[rng() % seeds.size()], rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::printf("%zu seeds, %d mutated inputs: no crash\n", seeds.size(), iterations);
  return 0;
}
