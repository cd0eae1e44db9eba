//! How commands show what a WASI plugin printed (`test`, `eval --debug`).

use rulehost::wasi::Output;

/// Each stream under a heading, every line indented by `indent`.
pub fn indented(output: &Output, indent: &str) -> String {
    let mut text = String::new();
    for (name, stream) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        if stream.is_empty() {
            continue;
        }
        text.push_str(&format!("{indent}plugin {name}:\n"));
        for line in stream.lines() {
            text.push_str(&format!("{indent}  | {line}\n"));
        }
    }
    if output.dropped > 0 {
        text.push_str(&format!(
            "{indent}({} more bytes of output were dropped: the bound was reached)\n",
            output.dropped
        ));
    }
    text
}

/// `eval --debug`'s report: the output, or why there is none.
pub fn report(output: Option<&Output>) -> String {
    match output {
        None => "debug: the plugin imports no WASI, so it has no stdout or stderr\n".to_owned(),
        Some(o) if o.is_empty() => "debug: the plugin printed nothing\n".to_owned(),
        Some(o) => indented(o, ""),
    }
}
