import express from "express";
import { ordersRouter } from "@/routes/orders";

const app = express();
app.use(express.json());
app.get("/healthz", (_req, res) => res.sendStatus(200));
app.use("/orders", ordersRouter);

const port = Number(process.env.PORT ?? "3000");
app.listen(port, () => console.log(`listening on ${port}`));
