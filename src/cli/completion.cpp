#include "cli/completion.hpp"

#include "migrate/error.hpp"

#include <ostream>

namespace migrate::cli {

std::string completion_script(std::string_view shell) {
  const CompletionScripts scripts = embedded_completion_scripts();
  if (shell == "bash") {
    return std::string(scripts.bash);
  }
  if (shell == "zsh") {
    return std::string(scripts.zsh);
  }
  throw UsageError("completion: '" + std::string(shell) + "' is not a supported shell (bash, zsh)");
}

int run_completion(std::ostream &out, const std::string &shell) {
  out << completion_script(shell);
  out.flush();
  return 0;
}

} // namespace migrate::cli
