"""Jupyter kernel conformance (python3-jupyter-kernel-test) for the ratelab kernel.

Run with JUPYTER_PATH pointing at the project's jupyter/ folder (tests/kernel-conformance.test.ts does).
"""
import unittest

import jupyter_kernel_test


class RatelabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "ratelab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'

    completion_samples = [
        {"text": "const alphaBeta = 1, alphaGamma = 2;\nalpha", "matches": {"alphaBeta", "alphaGamma"}},
        {"text": "Math.PI.toFix", "matches": {"toFixed"}},
    ]

    complete_code_samples = ["1 + 1", "const a = 3;", "function f(x: number) {\n  return x;\n}"]
    incomplete_code_samples = ["function f(x: number) {", "const xs = [1, 2,", "if (true) {\n  let y = 1;"]
    invalid_code_samples = ["const = 5;", "1 +* 2;", "let x = 1 ) + 2;"]

    code_inspect_sample = "Math.max"

    # A TypeScript type error: the kernel must send an `error` message and nothing else.
    code_generate_error = 'const notANumber: number = "text";'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "[1, 2, 3].map((v) => v * 2)", "result": "[ 2, 4, 6 ]"},
        {
            "code": '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<i>rich</i>" }; } })',
            "mime": "text/html",
            "result": "<i>rich</i>",
        },
    ]
    code_history_pattern = "6 [*] 7"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {
            "code": 'globalThis[Symbol.for("ratelab.kernel.display")]({ data: { "text/html": "<b>x</b>", "text/plain": "x" } }, false)',
            "mime": "text/html",
        },
        {
            "code": 'globalThis[Symbol.for("ratelab.kernel.display")]({ data: { "image/svg+xml": "<svg xmlns=\'http://www.w3.org/2000/svg\'/>" } }, false)',
            "mime": "image/svg+xml",
        },
    ]

    code_clear_output = 'globalThis[Symbol.for("ratelab.kernel.clearOutput")]()'


if __name__ == "__main__":
    unittest.main()
