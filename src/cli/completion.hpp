#pragma once
// `migrate completion bash|zsh`: the shell completion scripts of completions/, built into the
// binary (see cmake/embed_completions.cmake).

#include <iosfwd>
#include <string>
#include <string_view>

namespace migrate::cli {

struct CompletionScripts {
  std::string_view bash; // completions/migrate.bash
  std::string_view zsh;  // completions/_migrate
};

// The scripts as they were when the binary was built (generated/completions.cpp).
CompletionScripts embedded_completion_scripts();

// The completion script for `shell`, "bash" or "zsh". Throws UsageError for any other shell.
std::string completion_script(std::string_view shell);

// Writes the script for `shell` to `out`; returns the exit code (0). Throws UsageError for a
// shell other than bash or zsh. Needs no settings, configuration file or database.
int run_completion(std::ostream &out, const std::string &shell);

} // namespace migrate::cli
