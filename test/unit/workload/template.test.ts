import { describe, expect, it } from "vitest";
import { placeholdersIn, renderArgs, renderEnv, renderString } from "../../../engine/workload/template.js";

const vars = { port: 8001, host: "127.0.0.1", gpu_ids: [2, 3], instance: 1, item: "a b" };

describe("templates", () => {
  it("fills every placeholder", () => {
    expect(
      renderArgs(
        ["serve", "--port", "{port}", "--url=http://{host}:{port}/", "{gpu_ids}", "{instance}", "{item}"],
        vars,
      ),
    ).toEqual(["serve", "--port", "8001", "--url=http://127.0.0.1:8001/", "2,3", "1", "a b"]);
    expect(renderEnv({ URL: "{host}:{port}", PLAIN: "x" }, vars)).toEqual({ URL: "127.0.0.1:8001", PLAIN: "x" });
    expect(renderString("{gpu_ids}", { gpu_ids: [] })).toBe("");
  });

  it("keeps escaped braces, shell expansions and non-name braces literal", () => {
    expect(renderString("{{port}}", vars)).toBe("{port}");
    expect(renderString("{{{port}}}", vars)).toBe("{8001}");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, kept literal on purpose
    expect(renderString("echo ${HOME} $CUDA_VISIBLE_DEVICES", vars)).toBe("echo ${HOME} $CUDA_VISIBLE_DEVICES");
    expect(renderString("awk '{print $1}' {}", vars)).toBe("awk '{print $1}' {}");
    expect(renderString('{"json": 1}', vars)).toBe('{"json": 1}');
  });

  it("throws for unknown placeholders and for placeholders with no value", () => {
    expect(() => renderString("{nope}", vars)).toThrow(/unknown placeholder \{nope\}/);
    expect(() => renderString("{item}", { port: 1 })).toThrow(/\{item\} has no value here/);
  });

  it("lists the placeholders used, known or not", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, kept literal on purpose
    expect(placeholdersIn(["{port}-{port}", "{{item}}", "${X}", "{zzz}"])).toEqual(["port", "zzz"]);
  });
});
