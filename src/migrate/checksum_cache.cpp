#include "migrate/checksum_cache.hpp"

#include "migrate/sha256.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace migrate {

namespace {

constexpr char k_magic[8] = {'M', 'G', 'R', 'C', 'S', 'U', 'M', '1'};
constexpr std::size_t k_header = sizeof k_magic + 8;
constexpr std::size_t k_fixed = 5 * 8 + 32 + 1; // numbers, SHA-256, name length
constexpr std::size_t k_max_file = std::size_t{1} << 30;

template <typename T> T load_at(const std::string &data, std::size_t offset) {
  T value;
  std::memcpy(&value, data.data() + offset, sizeof value);
  return value;
}

template <typename T> void append(std::string &out, T value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out.append(bytes, sizeof value);
}

FileStamp record_stamp(const std::string &data, std::size_t at) {
  FileStamp stamp;
  stamp.inode = load_at<std::uint64_t>(data, at + 8);
  stamp.size = load_at<std::int64_t>(data, at + 16);
  stamp.mtime_ns = load_at<std::int64_t>(data, at + 24);
  stamp.ctime_ns = load_at<std::int64_t>(data, at + 32);
  return stamp;
}

std::string_view record_name(const std::string &data, std::size_t at) {
  const auto length = static_cast<unsigned char>(data[at + k_fixed - 1]);
  return std::string_view(data.data() + at + k_fixed, length);
}

std::int64_t now_ns() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return std::int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

bool write_all(int fd, const std::string &data) {
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

// Removes the caches of trees nobody has changed for k_stale: temporary
// checkouts and test trees leave theirs behind. Only when a cache is written,
// which is rare, so listing the directory costs nothing in the usual run.
constexpr auto k_stale = std::chrono::hours(24 * 90);

void prune_cache_dir(const fs::path &dir, const std::string &keep) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - k_stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == keep || it->path().extension() != ".sums") {
      continue;
    }
    std::error_code stat_error;
    if (it->last_write_time(stat_error) < cutoff && !stat_error) {
      fs::remove(it->path(), stat_error);
    }
  }
}

} // namespace

ChecksumCache::ChecksumCache(const fs::path &cache_dir, const fs::path &tree_dir,
                             std::chrono::nanoseconds racy)
    : m_racy(racy) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(fs::absolute(tree_dir, ec), ec);
  m_file = cache_dir / (sha256_hex((ec ? tree_dir : canonical).string()).substr(0, 32) + ".sums");
}

void ChecksumCache::load() {
  m_data.clear();
  m_records.clear();
  const int fd = ::open(m_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<std::size_t>(info.st_size) > k_max_file) {
    ::close(fd);
    return;
  }
  m_data.resize(static_cast<std::size_t>(info.st_size));
  std::size_t got = 0;
  while (got < m_data.size()) {
    const ssize_t n = ::read(fd, m_data.data() + got, m_data.size() - got);
    if (n <= 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const auto reject = [this]() {
    m_data.clear();
    m_records.clear();
  };
  if (got != m_data.size() || m_data.size() < k_header ||
      std::memcmp(m_data.data(), k_magic, sizeof k_magic) != 0) {
    return reject();
  }
  const auto count = load_at<std::uint64_t>(m_data, sizeof k_magic);
  if (count > m_data.size() / k_fixed) {
    return reject();
  }
  m_records.reserve(count);
  std::size_t at = k_header;
  Version previous = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (at + k_fixed > m_data.size()) {
      return reject();
    }
    const auto version = load_at<Version>(m_data, at);
    const std::size_t length = static_cast<unsigned char>(m_data[at + k_fixed - 1]);
    if (at + k_fixed + length > m_data.size() || (i > 0 && version <= previous)) {
      return reject();
    }
    m_records.push_back(static_cast<std::uint32_t>(at));
    previous = version;
    at += k_fixed + length;
  }
  if (at != m_data.size()) {
    return reject();
  }
}

void ChecksumCache::match(const std::vector<Migration> &migrations) {
  m_matched.assign(migrations.size(), 0);
  std::size_t r = 0;
  for (std::size_t i = 0; i < migrations.size() && r < m_records.size(); ++i) {
    while (r < m_records.size() && load_at<Version>(m_data, m_records[r]) < migrations[i].version) {
      ++r;
    }
    if (r < m_records.size() && load_at<Version>(m_data, m_records[r]) == migrations[i].version &&
        record_name(m_data, m_records[r]) == migrations[i].name) {
      m_matched[i] = m_records[r] + 1;
    }
  }
}

bool ChecksumCache::lookup(std::size_t i, const FileStamp &stamp, Checksum &checksum) const {
  if (i >= m_matched.size() || m_matched[i] == 0) {
    return false;
  }
  const std::size_t at = m_matched[i] - 1;
  if (record_stamp(m_data, at) != stamp) {
    return false;
  }
  checksum = Checksum::from_bytes(reinterpret_cast<const unsigned char *>(m_data.data() + at + 40));
  return true;
}

void ChecksumCache::save(const std::vector<Migration> &migrations,
                         const std::vector<FileStamp> &stamps, const std::vector<char> &hits) {
  const std::int64_t cutoff = now_ns() - static_cast<std::int64_t>(m_racy.count());
  const std::size_t n = std::min(migrations.size(), stamps.size());
  const auto storable = [&](std::size_t i) {
    return migrations[i].has_up && stamps[i].size >= 0 && stamps[i].ctime_ns < cutoff &&
           migrations[i].name.size() <= 255;
  };
  // Nothing to write when every record would be one loaded: a hit was
  // matched, and its stamp and checksum are the recorded ones.
  bool same = true;
  std::size_t count = 0;
  for (std::size_t i = 0; i < n && same; ++i) {
    const bool had = i < m_matched.size() && m_matched[i] != 0;
    if (storable(i)) {
      ++count;
      same = i < hits.size() && hits[i] != 0;
    } else {
      same = !had;
    }
  }
  if (same && count == m_records.size()) {
    return;
  }
  std::string out(k_header, '\0');
  std::memcpy(out.data(), k_magic, sizeof k_magic);
  std::uint64_t written_count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!storable(i) || !migrations[i].checksum.is_sha256()) {
      continue;
    }
    const Migration &m = migrations[i];
    append(out, m.version);
    append(out, stamps[i].inode);
    append(out, stamps[i].size);
    append(out, stamps[i].mtime_ns);
    append(out, stamps[i].ctime_ns);
    out.append(reinterpret_cast<const char *>(m.checksum.bytes().data()),
               m.checksum.bytes().size());
    out.push_back(static_cast<char>(m.name.size()));
    out += m.name;
    ++written_count;
  }
  std::memcpy(out.data() + sizeof k_magic, &written_count, sizeof written_count);
  std::error_code ec;
  fs::create_directories(m_file.parent_path(), ec);
  const fs::path temporary =
      m_file.string() + ".tmp" + std::to_string(static_cast<long long>(::getpid()));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return;
  }
  const bool written = write_all(fd, out);
  if (::close(fd) != 0 || !written || ::rename(temporary.c_str(), m_file.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return;
  }
  prune_cache_dir(m_file.parent_path(), m_file.filename().string());
}

std::optional<FileStamp> stamp_file(int dir_fd, const char *path) {
  struct stat info {};
  if (::fstatat(dir_fd, path, &info, 0) != 0 || !S_ISREG(info.st_mode)) {
    return std::nullopt;
  }
  FileStamp stamp;
  stamp.inode = static_cast<std::uint64_t>(info.st_ino);
  stamp.size = static_cast<std::int64_t>(info.st_size);
  stamp.mtime_ns = std::int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec;
  stamp.ctime_ns = std::int64_t{info.st_ctim.tv_sec} * 1000000000 + info.st_ctim.tv_nsec;
  return stamp;
}

std::optional<fs::path> checksum_cache_dir(const std::optional<std::string> &migrate_cache_dir,
                                           const std::optional<std::string> &xdg_cache_home,
                                           const std::optional<std::string> &home,
                                           std::string &origin) {
  if (migrate_cache_dir) {
    origin = "MIGRATE_CACHE_DIR";
    if (migrate_cache_dir->empty() || *migrate_cache_dir == "off") {
      return std::nullopt;
    }
    return fs::path(*migrate_cache_dir);
  }
  // As the XDG base directory specification says: relative values are ignored.
  if (xdg_cache_home && !xdg_cache_home->empty() && xdg_cache_home->front() == '/') {
    origin = "XDG_CACHE_HOME";
    return fs::path(*xdg_cache_home) / "migrate";
  }
  if (home && !home->empty() && home->front() == '/') {
    origin = "HOME";
    return fs::path(*home) / ".cache" / "migrate";
  }
  origin = "default";
  return std::nullopt;
}

} // namespace migrate
