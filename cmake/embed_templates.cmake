# Writes OUT, a C++ file defining the default templates for `migrate new`
# from the files UP and DOWN. Run with `cmake -P`.
file(READ "${UP}" up_text)
file(READ "${DOWN}" down_text)
set(delim "migrate_template")
file(WRITE "${OUT}" "// Generated from templates/ by cmake/embed_templates.cmake. Do not edit.
#include \"migrate/templates.hpp\"

namespace migrate {

Templates default_templates() {
  return Templates{R\"${delim}(${up_text})${delim}\",
                   R\"${delim}(${down_text})${delim}\"};
}

} // namespace migrate
")
