# recipe_rag_module(NAME SOURCES ... DEPS ...)
# One folder = one namespace = one static library target, named recipe_rag_<NAME>.
# Public headers sit at the folder root and are included as "<module>/<header>.h".
function(recipe_rag_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(recipe_rag_${name} STATIC ${M_SOURCES})
  target_include_directories(recipe_rag_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(recipe_rag_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  recipe_rag_warnings(recipe_rag_${name})
endfunction()

function(recipe_rag_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow)
  if(RECIPE_RAG_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(RECIPE_RAG_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
