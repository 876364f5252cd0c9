import { Router } from "express";
import type { Order } from "../models/order";
import { db } from "@/lib/db";
import { charge } from "@/services/billing";
import { validate } from "./validate";

export const ordersRouter = Router();

ordersRouter.post("/", (req, res) => {
  const order = validate(req.body) as Order;
  db.put(order);
  res.status(201).json({ id: order.id, cents: charge(order) });
});
