import java.io.*;
import java.net.*;
import java.net.http.*;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.regex.*;

public class Pos {
    static final String URL = System.getenv("PAYTERM_URL"), CREDENTIALS = System.getenv("PAYTERM_CREDENTIALS");
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static String auth;

    // One field of a flat JSON answer; a regular expression keeps this example to the JDK: use your JSON library.
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"?([^\",}]*)").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    static String call(String method, String path, String body, String type) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(URL + path)).header("Authorization", auth).header("Content-Type", type)
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    public static void main(String[] args) throws Exception {
        auth = field(CREDENTIALS, "basic");
        String login = "grant_type=password&tid=" + field(CREDENTIALS, "tid") + "&username="
            + URLEncoder.encode(field(CREDENTIALS, "username"), "UTF-8") + "&password=" + URLEncoder.encode(field(CREDENTIALS, "password"), "UTF-8");
        auth = "Bearer " + field(call("POST", "/cloud/oauth/token", login, "application/x-www-form-urlencoded"), "access_token");
        long second = Math.round(1000 * Double.parseDouble(System.getenv("PAYTERM_TIME_SCALE"))); // one virtual second
        var orders = new BufferedReader(new InputStreamReader(System.in));
        for (String order; (order = orders.readLine()) != null; ) { // one order per line
            String task = call("POST", "/v1/tasks/TRANSACTION", String.format("{\"transactionType\": \"SALE\", \"amount\": %s, "
                + "\"currencyCode\": \"%s\", \"paymentMethod\": \"CARD\", \"originReferenceNum\": \"%s\"}",
                field(order, "amount"), field(order, "currency"), field(order, "reference")), "application/json");
            while (!field(task, "state").matches("COMPLETED|FAILED|CANCELLED")) { // poll until final
                Thread.sleep(second);
                task = call("GET", "/v1/tasks/" + field(task, "taskId"), null, "application/json");
            }
            // A COMPLETED task is not a paid sale: the transaction's result says (0 is approved).
            String ams = field(task, "amsId");
            boolean paid = ams != null && "0".equals(field(call("GET", "/v1/transactions/" + ams, null, "application/json"), "result"));
            System.out.println("{\"order\": \"" + field(order, "id") + "\", \"event\": \"outcome\", \"result\": \"" + (paid ? "paid" : "not_paid") + "\"}");
        }
    }
}
