# Warnings are errors in softcheck's own code (never in third-party headers).
function(softcheck_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
