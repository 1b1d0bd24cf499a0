fn main() {
    println!("rspcheck");
}
