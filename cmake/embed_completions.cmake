# Writes OUT, a C++ file defining the shell completion scripts printed by
# `migrate completion`, from the files BASH and ZSH. Run with `cmake -P`.
file(READ "${BASH}" bash_text)
file(READ "${ZSH}" zsh_text)
set(delim "migrate_compl")
foreach(text IN ITEMS "${bash_text}" "${zsh_text}")
  string(FIND "${text}" ")${delim}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "a completion script contains )${delim}\", which ends the raw string")
  endif()
endforeach()
file(WRITE "${OUT}" "// Generated from completions/ by cmake/embed_completions.cmake. Do not edit.
#include \"cli/completion.hpp\"

namespace migrate::cli {

CompletionScripts embedded_completion_scripts() {
  return CompletionScripts{R\"${delim}(${bash_text})${delim}\",
                           R\"${delim}(${zsh_text})${delim}\"};
}

} // namespace migrate::cli
")
