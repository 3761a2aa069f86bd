// bench/tree_floor.cpp: the least that a no-op which checks every applied
// up.sql's stamp must do to the filesystem, as a bare program: list the
// migrations directory, then stat `<entry>/up.sql` for each entry, split over
// threads exactly as read_tree splits its files (migrate/file_threads.hpp, a
// header that needs no library). No parsing, sorting, hashing or database;
// linked against nothing but the C++ runtime, so its process starts as fast
// as a process can.
//
// Usage: tree_floor DIR      prints the number of up.sql files it found;
//                            exit 1 when DIR cannot be listed or one is missing.
#include "migrate/file_threads.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

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
  migrate::FileChunks chunks(names.size(), migrate::k_file_chunk);
  std::atomic<std::size_t> missing{0};
  auto work = [&]() {
    std::string path;
    struct stat info {};
    for (auto [begin, end] = chunks.take(); begin < end; std::tie(begin, end) = chunks.take()) {
      for (std::size_t i = begin; i < end; ++i) {
        path = names[i];
        path += "/up.sql";
        if (::fstatat(dir_fd, path.c_str(), &info, 0) != 0) {
          missing.fetch_add(1);
        }
      }
    }
  };
  migrate::run_on_threads(migrate::file_threads(names.size()), work);
  ::closedir(listing);
  std::printf("%zu\n", names.size() - missing.load());
  return missing.load() == 0 ? 0 : 1;
}
