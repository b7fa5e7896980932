/** XML-RPC answers laid out as supervisord (Python's xmlrpclib) writes them. */

/** One member per line, as xmlrpclib.dumps does. */
export const pythonStyleProcessList = (count: number): string => {
  const member = (name: string, value: string) => `<member>\n<name>${name}</name>\n<value>${value}</value>\n</member>\n`
  let body = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n"
  for (let i = 0; i < count; i++) {
    const name = `web_${String(i).padStart(2, "0")}`
    const pid = 12000 + i
    body += "<value><struct>\n" +
      member("name", `<string>${name}</string>`) +
      member("group", "<string>web</string>") +
      member("start", "<int>1700000000</int>") +
      member("stop", "<int>0</int>") +
      member("now", "<int>1700000100</int>") +
      member("state", "<int>20</int>") +
      member("statename", "<string>RUNNING</string>") +
      member("spawnerr", "<string></string>") +
      member("exitstatus", "<int>0</int>") +
      member("logfile", `<string>/var/log/supervisor/${name}-stdout---supervisor-abc123.log</string>`) +
      member("stdout_logfile", `<string>/var/log/supervisor/${name}-stdout---supervisor-abc123.log</string>`) +
      member("stderr_logfile", `<string>/var/log/supervisor/${name}-stderr---supervisor-def456.log</string>`) +
      member("pid", `<int>${pid}</int>`) +
      member("description", `<string>pid ${pid}, uptime 0:01:40</string>`) +
      "</struct></value>\n"
  }
  return body + "</data></array></value>\n</param>\n</params>\n</methodResponse>\n"
}
