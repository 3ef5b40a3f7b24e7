// Driver for compilers without libFuzzer (g++): replays the files or
// directories given on the command line, then runs random mutations of them
// for a fixed, seeded number of iterations.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::string> load(const std::filesystem::path& path) {
  std::vector<std::string> inputs;
  auto read = [&](const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.is_regular_file()) read(entry.path());
    }
  } else {
    read(path);
  }
  return inputs;
}

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    for (std::string& input : load(argv[i])) corpus.push_back(std::move(input));
  }
  for (const std::string& input : corpus) run(input);
  if (corpus.empty()) return 0;

  const char* env = std::getenv("MITI_FUZZ_ITERATIONS");
  long iterations = env != nullptr ? std::atol(env) : 20000;
  std::mt19937 rng(12345);
  // Bytes that matter to the code under test.
  const std::string interesting = "{}[]\":,/@ \n\t0123456789-.e\xF0\x9F\x98\x80\xD0\xB6";
  for (long i = 0; i < iterations; ++i) {
    std::string input = corpus[rng() % corpus.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !input.empty(); ++e) {
      std::size_t at = rng() % input.size();
      switch (rng() % 4) {
        case 0:
          input[at] = interesting[rng() % interesting.size()];
          break;
        case 1:
          input.insert(at, 1, interesting[rng() % interesting.size()]);
          break;
        case 2:
          input.erase(at, 1);
          break;
        default:
          input[0] = static_cast<char>(rng());
          break;
      }
    }
    run(input);
  }
  std::cout << "fuzz smoke: " << corpus.size() << " seeds, " << iterations << " mutations\n";
  return 0;
}
