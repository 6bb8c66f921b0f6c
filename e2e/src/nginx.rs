//! Debian's nginx on a free loopback port, answering 200 to everything: the target of the
//! benchmarks (a target much faster than Flatline, so Flatline is what is measured).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts nginx in `dir`; returns the process and its port.
pub fn start(dir: &std::path::Path) -> (Child, u16) {
    let port = crate::closed_port();
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "worker_processes 1;\ndaemon off;\nerror_log {dir}/error.log warn;\npid {dir}/nginx.pid;\n\
             events {{ worker_connections 4096; }}\n\
             http {{ access_log off; keepalive_requests 1000000; keepalive_timeout 120s;\n\
             client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fcgi;\n\
             uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;\n\
             server {{ listen 127.0.0.1:{port}; location / {{ return 200 \"ok\\n\"; }} }} }}\n",
            dir = dir.display()
        ),
    )
    .expect("write nginx.conf");
    let nginx = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("nginx");
    let child = Command::new(nginx)
        .args([
            "-p",
            &dir.display().to_string(),
            "-c",
            &conf.display().to_string(),
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("start nginx (apt-get install nginx)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not start; see {}/error.log",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}
