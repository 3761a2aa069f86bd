// bench/tree_floor.cpp: the least that a no-op which checks every applied
// up.sql's stamp must do to the filesystem, as a bare program: list the
// migrations directory, then stat `<entry>/up.sql` for each entry, on as many
// threads as migrate uses (the cores, 1 to 4), in chunks of 32 as migrate
// does. No parsing, sorting, hashing or database; linked against nothing but
// the C++ runtime, so its process starts as fast as a process can. The thread
// split is a copy of hash_up_files() in src/migrate/source.cpp, on purpose:
// linking migrate's library would load libpq. Keep the two alike.
//
// Usage: tree_floor DIR      prints the number of up.sql files it found;
//                            exit 1 when DIR cannot be listed or one is missing.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tree_floor DIR\n");
    return 2;
  }
  DIR *listing = ::opendir(argv[1]);
  if (listing == nullptr) {
    std::fprintf(stderr, "tree_floor: %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  const int dir_fd = ::dirfd(listing);
  std::vector<std::string> names;
  while (const dirent *entry = ::readdir(listing)) {
    if (entry->d_name[0] != '.') {
      names.emplace_back(entry->d_name);
    }
  }
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> missing{0};
  constexpr std::size_t k_chunk = 32;
  auto work = [&]() {
    std::string path;
    struct stat info {};
    for (;;) {
      const std::size_t begin = next.fetch_add(k_chunk);
      if (begin >= names.size()) {
        return;
      }
      for (std::size_t i = begin; i < std::min(begin + k_chunk, names.size()); ++i) {
        path = names[i];
        path += "/up.sql";
        if (::fstatat(dir_fd, path.c_str(), &info, 0) != 0) {
          missing.fetch_add(1);
        }
      }
    }
  };
  const unsigned threads =
      names.size() < 256 ? 1 : std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads; ++t) {
    helpers.emplace_back(work);
  }
  work();
  for (auto &helper : helpers) {
    helper.join();
  }
  ::closedir(listing);
  std::printf("%zu\n", names.size() - missing.load());
  return missing.load() == 0 ? 0 : 1;
}
